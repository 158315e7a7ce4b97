ALTER TABLE `sessions` ADD `password_failures` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `tokens_valid_after` integer;