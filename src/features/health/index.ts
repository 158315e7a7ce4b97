import type { Capability } from "../../kernel/capability";
import { healthRoutes } from "./routes";

export const healthCapability = { name: "health", routes: healthRoutes } satisfies Capability;
