CREATE TABLE `failure_budgets` (
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`window_start` integer NOT NULL,
	`failures` integer NOT NULL,
	PRIMARY KEY(`kind`, `subject`)
);
