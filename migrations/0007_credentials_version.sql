ALTER TABLE `users` ADD `credentials_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `mail_tokens` ADD `credentials_version` integer;