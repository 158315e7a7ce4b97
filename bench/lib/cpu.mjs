// CPU accounting from /proc (Linux; elsewhere every figure is null): how much CPU workerd,
// the load generator and the Miniflare host used during a scenario, and how much went to
// processes that are not part of the benchmark at all (other jobs on a shared machine).
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

let ticks = 100;
try {
  ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {
  /* 100 is the Linux default */
}

/** utime + stime of a process (all its threads), in seconds; null if unreadable. */
export function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticks;
  } catch {
    return null;
  }
}

/** Busy and total CPU seconds of the whole machine since boot (all cores summed). */
export function machineCpuSeconds() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy: busy / ticks, total: (busy + idle + (iowait ?? 0)) / ticks };
  } catch {
    return null;
  }
}

/** Direct children of a process whose command name matches `name` (e.g. "workerd"). */
export function childPids(pid, name) {
  const out = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      for (const k of kids ? kids.split(/\s+/) : []) {
        try {
          if (!name || readFileSync(`/proc/${k}/comm`, "utf8").trim() === name) out.push(Number(k));
        } catch {
          /* exited */
        }
      }
    }
  } catch {
    /* not Linux */
  }
  return out;
}

/** Snapshot of the processes we care about plus the machine. */
export function snapshot(groups) {
  const s = { at: performance.now(), machine: machineCpuSeconds(), groups: {} };
  for (const [name, pids] of Object.entries(groups)) {
    const vals = pids.map(processCpuSeconds);
    s.groups[name] = vals.some((v) => v === null) ? null : vals.reduce((a, b) => a + b, 0);
  }
  return s;
}

/**
 * Deltas between two snapshots: seconds of CPU per group, the same as a share of one core,
 * and "foreign": machine busy time not used by any group (other jobs on the machine).
 */
export function cpuDelta(a, b, requests) {
  const wall = (b.at - a.at) / 1000;
  const out = { wallSeconds: round(wall, 2) };
  let ours = 0;
  for (const name of Object.keys(a.groups)) {
    const d = a.groups[name] === null || b.groups[name] === null ? null : b.groups[name] - a.groups[name];
    out[name] = d === null ? null : { seconds: round(d, 2), coreShare: round(d / wall, 2) };
    if (d !== null) ours += d;
  }
  if (a.machine && b.machine) {
    const busy = b.machine.busy - a.machine.busy;
    const total = b.machine.total - a.machine.total;
    out.machineBusyShare = round(busy / total, 2);
    out.foreign = { seconds: round(Math.max(0, busy - ours), 2), machineShare: round(Math.max(0, busy - ours) / total, 2) };
  }
  if (out.workerd && requests > 0) out.workerdCpuMsPerRequest = round((out.workerd.seconds * 1000) / requests, 3);
  return out;
}

const round = (n, d) => Math.round(n * 10 ** d) / 10 ** d;
