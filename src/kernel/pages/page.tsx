import type { Child } from "hono/jsx";
import { ErrorIcon, OkIcon } from "./icons";
import { Layout } from "./layout";

/**
 * One page: its heading (which labels the main region), and for an outcome its state colour
 * and icon. `documentTitle` when the tab's title differs from the heading (an "Error: " prefix).
 */
export function Page(props: { title: string; state?: "ok" | "bad"; documentTitle?: string; children?: Child }) {
  return (
    <Layout title={props.documentTitle ?? props.title}>
      <main class={props.state ? `state-${props.state}` : undefined} aria-labelledby="page-title">
        {props.state === "ok" ? <OkIcon /> : props.state === "bad" ? <ErrorIcon /> : null}
        <h1 id="page-title">{props.title}</h1>
        {props.children}
      </main>
    </Layout>
  );
}
