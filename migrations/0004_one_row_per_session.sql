ALTER TABLE `sessions` ADD `generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `rotated_at` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refreshable` integer DEFAULT true NOT NULL;