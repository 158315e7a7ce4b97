CREATE TABLE `email_challenges` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`code_hash` text NOT NULL,
	`token_hash` text NOT NULL,
	`email` text NOT NULL,
	`address` text NOT NULL,
	`user_id` integer,
	`credentials_version` integer,
	`name` text,
	`tc` integer DEFAULT false NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`spent_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `email_challenges_email_idx` ON `email_challenges` (`email`);--> statement-breakpoint
CREATE INDEX `email_challenges_expires_idx` ON `email_challenges` (`expires_at`);