export { users } from "./schema";
export type { NewUser, User } from "./schema";
export { findUserByEmail, findUserById, rehashStatement, touchLastLoginStatement } from "./store";
export { credentialsChanged } from "./credentials";
