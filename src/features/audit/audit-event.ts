import type { EventDetail } from "../../kernel/events";
import type { EventType } from "../../kernel/names";

/** An event as stored, served by the API and posted to webhooks. */
export interface AuditEvent {
  id: string;
  at: string;
  type: EventType;
  user_id: number | null;
  actor_id: number | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  country: string | null;
  detail: EventDetail;
}
