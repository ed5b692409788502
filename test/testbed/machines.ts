/**
 * The namespace testbed: four "machines", each a network namespace with its
 * own address and Debian's sshd listening there, keys made for the test.
 * sshd joins only the namespace's network (nsenter --net), not a private
 * mount namespace, so the networks `hynet up` makes on the "DuT" are visible
 * to the other "machines", as one kernel's are. Used by the tests and
 * bench/testbed.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

export const MACHINES = ["loadgen", "dut", "timestamper", "evaluator"] as const;
export type MachineName = (typeof MACHINES)[number];

export interface Machine {
  name: MachineName;
  netns: string;
  address: string;
  sshd?: ChildProcess;
}

export interface NsTestbed {
  dir: string;
  key: string;
  knownHosts: string;
  machines: Record<MachineName, Machine>;
  /** A testbed file for these machines (evaluator on a machine of its own unless `evaluator: "local"`). */
  file(o?: { evaluator?: "local" | "remote"; dutAddress?: string }): string;
  startSshd(m: MachineName): void;
  stopSshd(m: MachineName): void;
  destroy(): void;
}

const ip = (...a: string[]) => execFileSync("ip", a, { stdio: ["ignore", "ignore", "pipe"] });
const HYNET = `node ${path.resolve("bin/hynet.js")}`;

/** `tag`: 2–4 characters unique to the caller, in every name made here. */
export function createNsTestbed(dir: string, tag: string, subnet: number): NsTestbed {
  mkdirSync(dir, { recursive: true });
  mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege-separation folder
  const key = path.join(dir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "hynet-test", "-f", key]);
  const hostKey = path.join(dir, "host_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(`${key}.pub`));
  const hostPub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  const machines = {} as Record<MachineName, Machine>;
  const known: string[] = [];
  MACHINES.forEach((name, i) => {
    const netns = `${tag}tb-${name.slice(0, 4)}`;
    const outer = `${tag}tb${i}`;
    const address = `10.${subnet}.${i}.2`;
    ip("netns", "add", netns);
    ip("link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", netns);
    ip("addr", "add", `10.${subnet}.${i}.1/30`, "dev", outer);
    ip("link", "set", outer, "up");
    ip("-n", netns, "addr", "add", `${address}/30`, "dev", "eth0");
    ip("-n", netns, "link", "set", "eth0", "up");
    ip("-n", netns, "link", "set", "lo", "up");
    machines[name] = { name, netns, address };
    known.push(`${address} ${hostPub}`);
  });
  const knownHosts = path.join(dir, "known_hosts");
  writeFileSync(knownHosts, known.join("\n") + "\n");

  function startSshd(n: MachineName): void {
    const m = machines[n];
    const args = ["--net=/run/netns/" + m.netns, "/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null",
      "-o", `ListenAddress=${m.address}`, "-o", `HostKey=${hostKey}`, "-o", `AuthorizedKeysFile=${path.join(dir, "authorized_keys")}`,
      "-o", "StrictModes=no", "-o", "PermitRootLogin=prohibit-password", "-o", "PasswordAuthentication=no", "-o", "UsePAM=no",
      "-o", "PidFile=none", "-o", "MaxSessions=64", "-o", "MaxStartups=64"];
    // Its log goes to a file, not a pipe: machines left up (bench --keep) outlive this process.
    const logFile = path.join(dir, `sshd-${n}.log`);
    m.sshd = spawn("nsenter", args, { stdio: ["ignore", "ignore", openSync(logFile, "a")], detached: true });
    m.sshd.unref();
    const err = () => readFileSync(logFile, "utf8");
    // Ready when the port answers.
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync("ip", ["netns", "exec", m.netns, "sh", "-c", `ss -ltn | grep -q '${m.address}:22 '`]);
        return;
      } catch {
        execFileSync("sleep", ["0.05"]);
      }
    }
    throw new Error(`sshd in ${m.netns} did not start: ${err()}`);
  }

  /** Kill the listener and every session it forked (by pid: only what this test started). */
  function stopSshd(n: MachineName): void {
    const p = machines[n].sshd;
    if (!p?.pid) return;
    const children = (pid: number): number[] => {
      let out = "";
      try {
        out = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
      } catch {
        return [];
      }
      return out.split("\n").map((s) => Number(s.trim())).filter((x) => x > 0).flatMap((c) => [c, ...children(c)]);
    };
    const sessions = children(p.pid).filter((c) => {
      try {
        return readFileSync(`/proc/${c}/comm`, "utf8").trim().startsWith("sshd");
      } catch {
        return false;
      }
    });
    for (const pid of [p.pid, ...sessions]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    machines[n].sshd = undefined;
  }

  for (const n of MACHINES) startSshd(n);

  return {
    dir,
    key,
    knownHosts,
    machines,
    startSshd,
    stopSshd,
    file(o = {}) {
      const f = path.join(dir, `testbed-${o.evaluator ?? "remote"}.yaml`);
      const m = (n: MachineName, addr = machines[n].address) => `  ${n}: { address: ${addr}, user: root, identity: ${key}, known_hosts: strict, known_hosts_file: ${knownHosts}, connect_timeout: 3 }`;
      const work = path.join(dir, "work");
      writeFileSync(
        f,
        [
          "machines:",
          m("loadgen"), m("dut", o.dutAddress), m("timestamper"), m("evaluator"),
          "roles:",
          `  loadgen: { machine: loadgen, hynet: ${HYNET}, work_dir: ${work}/loadgen }`,
          `  dut: { machine: dut, hynet: ${HYNET}, work_dir: ${work}/dut }`,
          `  timestamper: { machine: timestamper, hynet: ${HYNET}, work_dir: ${work}/timestamper, min_free_gb: 0 }`,
          `  evaluator: { machine: ${o.evaluator === "local" ? "local" : "evaluator"}, hynet: ${HYNET}, work_dir: ${work}/evaluator }`,
          "",
        ].join("\n"),
      );
      return f;
    },
    destroy() {
      for (const n of MACHINES) {
        stopSshd(n);
        try {
          ip("netns", "del", machines[n].netns);
        } catch {
          // already gone
        }
      }
    },
  };
}
