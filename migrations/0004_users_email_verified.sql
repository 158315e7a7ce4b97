-- Admin branch: users.email_verified, defined exactly as the e-mail verification branch defines it
-- (its 0004 adds the same column and marks active users verified): at the merge, that one replaces this.
ALTER TABLE `users` ADD `email_verified` integer DEFAULT false NOT NULL;
