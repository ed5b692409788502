/** The small topology the series tests run: shared so that each test does not keep its own copy. */

/** lg → h1 → h2 → lg: the paper's chain cut to two forwarding hosts. */
export function topology(extra = ""): string {
  return `name: chain2
hosts:
  lg: { role: loadgen, sysctls: { net.ipv4.conf.*.rp_filter: 0 } }
  h1:
    sysctls: { net.ipv4.ip_forward: 1, net.ipv4.conf.*.rp_filter: 0 }
    routes: [{ dst: 10.0.2.20/32, via: 10.0.3.200 }]
${extra}  h2:
    sysctls: { net.ipv4.ip_forward: 1, net.ipv4.conf.*.rp_filter: 0 }
    neighbors: [{ ip: 10.0.2.20, mac: "56:54:00:00:00:01" }]
links:
  - { a: { node: h1, addrs: 10.0.3.100/24 }, b: { node: h2, addrs: 10.0.3.200/32 } }
  - a: { node: lg, ifname: tx, addrs: 10.0.0.10/24 }
    b: { node: h1, ifname: h1-lg, addrs: 10.0.0.101/24, mac: "3e:e5:a8:40:0d:00" }
  - a: { node: h2, ifname: h2-lg, addrs: 10.0.2.101/24 }
    b: { node: lg, ifname: rx, mac: "56:54:00:00:00:01" }
`;
}
