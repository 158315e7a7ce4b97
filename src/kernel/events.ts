import type { EventType } from "./names";

/** Flat, non-secret facts only. */
export type EventDetail = Record<string, string | number | boolean | null>;

export interface EventInput {
  /** Whom the event is about (null: not known). */
  userId: number | null;
  /** The admin acting on `userId`, if it is not the user themselves. */
  actorId?: number;
  sessionId?: string;
  detail?: EventDetail;
}

/** A change to credentials, sessions, MFA or admin rights (or a failed attempt at one). */
export interface SecurityEvent extends EventInput {
  type: EventType;
}
