CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`user_id` integer,
	`actor_id` integer,
	`session_id` text,
	`ip` text,
	`user_agent` text,
	`country` text,
	`detail` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_user_idx` ON `events` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `events_type_idx` ON `events` (`type`,`id`);