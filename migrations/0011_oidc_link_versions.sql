ALTER TABLE `oidc_app_codes` ADD `credentials_version` integer;--> statement-breakpoint
ALTER TABLE `oidc_attempts` ADD `credentials_version` integer;