/**
 * The smallest network: two namespace hosts joined by one veth link, with
 * nothing else on the path. `hynet calibrate` measures the timestamper's
 * own floor across it. It is made by Net with the registered kinds, so the
 * state file records it and `hynet clean` removes it after a crash.
 */
import type { Sys } from "../sys/index.js";
import { Topo } from "../topo/topo.js";
import { Net } from "./net.js";

export interface PairEnd {
  netns: string;
  iface: string;
}

export interface BarePair {
  /** The end the load generator sends from (the pre tap). */
  pre: PairEnd;
  /** The other end (the post tap). */
  post: PairEnd;
  stop(): Promise<void>;
}

export async function startBarePair(sys: Sys, o: { prefix?: string; signal?: AbortSignal } = {}): Promise<BarePair> {
  const t = new Topo("bare-pair");
  t.addHost("pre");
  t.addHost("post");
  t.addLink("pre", "post");
  const net = new Net(t.build(), { host: "namespace", link: "veth" }, sys, { prefix: o.prefix });
  await net.start(o.signal);
  const end = (host: string): PairEnd => {
    const h = net.get(host);
    return { netns: h.netns!, iface: h.intfs()[0].ifname };
  };
  return { pre: end("pre"), post: end("post"), stop: () => net.stop() };
}
