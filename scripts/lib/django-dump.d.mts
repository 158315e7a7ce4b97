// Types of django-dump.mjs for the TypeScript tests (the .mjs carries the same as JSDoc).

export declare const DJANGO_MODEL: "account.myuser";
export declare const EMAIL_MAX_LENGTH: 255;
export declare const NAME_MAX_LENGTH: 200;
export declare const WORKER_HASH_PREFIX: "bcrypt_sha256$";
export declare const WORKER_HASH_PREFIXES: string[];
export declare const MAX_SCRYPT_MEMORY_BYTES: number;
export declare const MAX_SCRYPT_WORK: number;
export declare const MAX_PASSWORD_LENGTH: number;
export declare const MAX_PBKDF2_ITERATIONS: number;
export declare const MAX_STATEMENT_BYTES: number;
export declare const EXISTING_USERS_COLUMNS: string[];
export declare const EXISTING_USERS_SQL: string;
export declare const SEQUENCE_SQL: string;

export interface ImportUser {
  index: number;
  id: number;
  email: string;
  name: string;
  tc: boolean;
  isActive: boolean;
  isAdmin: boolean;
  password: string;
  usablePassword: boolean;
  tooCostly: boolean;
  lastLogin: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Rejection {
  index: number;
  pk: unknown;
  reason: string;
}

export interface ParsedDump {
  read: number;
  users: ImportUser[];
  rejected: Rejection[];
  ignoredFields: string[];
}

export interface ExistingUser {
  id: number;
  email: string;
  name: string;
  tc: number | boolean;
  is_active: number | boolean;
  is_admin: number | boolean;
  password: string;
  password_version: number;
  last_login: number | null;
  created_at: number;
  updated_at: number;
}

export interface Update {
  user: ImportUser;
  changes: string[];
}

export interface Plan {
  read: number;
  inserts: ImportUser[];
  updates: Update[];
  unchanged: ImportUser[];
  rejected: Rejection[];
  passwordsKept: ImportUser[];
  unusable: ImportUser[];
  tooCostly: ImportUser[];
  ignoredFields: string[];
}

export declare class DumpFormatError extends Error {
  constructor(message: string);
}

export declare function isValidEmail(value: string): boolean;
export declare function normalizeEmail(value: string): string;
export declare function sqliteLower(value: string): string;
export declare function isSupportedHash(stored: unknown): boolean;
export declare function parseDjangoTimestamp(value: unknown): number | null;
export declare function validateDump(value: unknown): ParsedDump;
export declare function createDumpValidator(): { add(entry: unknown): void; readonly read: number; finish(): ParsedDump };
export declare function parseDump(text: string): ParsedDump;
export declare function readDump(chunks: AsyncIterable<string>): Promise<ParsedDump>;
export declare function passwordReplaceable(row: Pick<ExistingUser, "password" | "password_version">): boolean;
export declare function mergeChanges(row: ExistingUser, u: ImportUser): { changes: string[]; passwordKept: boolean };
export declare function planImport(dump: ParsedDump, existing: ExistingUser[]): Plan;
export declare function sqlString(value: string): string;
export declare function sqlInteger(value: number): string;
export declare function upsertStatement(users: ImportUser | ImportUser[]): string;
export declare function upsertStatements(rows: ImportUser[], maxBytes?: number): string[];
export declare function rowsToWrite(plan: Plan): ImportUser[];
export declare function sequenceStatements(nextId: number): string[];
export declare function buildStatements(plan: Plan, options?: { nextId?: number }): string[];
export declare function toSqlFile(statements: string[]): string;
export declare function formatRejection(r: Rejection): string;
export declare function formatCounts(plan: Plan): string;
