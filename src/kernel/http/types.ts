import type { Authenticated } from "../../features/sessions/service";
import type { Env } from "../config";
import type { Deps } from "../deps";

/** Hono's environment for this app: bindings plus what middleware hands to handlers. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    deps: Deps;
    /** Set by the sessions capability's requireAccessToken. */
    auth: Authenticated;
  };
}
