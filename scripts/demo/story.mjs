// The demo's session narratives: what an agent pipes into `logbook save` (the seed's `##` sections).

/** A narrative with every required section; `extra` is appended (a `## Note for <user>` section, say). */
export function narrative({ summary, decision = "None.", problem, change = "None.", infra = "None.", command = "None.", pending = "None.", reference = "None.", extra = "" }) {
  return [
    `## Session Summary\n${summary}`,
    `## Key Decisions\n${decision}`,
    problem ? `## Problems Encountered\n${problem}` : "",
    `## Configuration Changes\n${change}`,
    "## Credentials & Secrets\nNone.",
    `## Infrastructure & Servers\n${infra}`,
    `## Commands & Outputs\n${command}`,
    `## Pending / Incomplete Tasks\n${pending}`,
    `## Reference Information\n${reference}`,
    extra,
  ]
    .filter(Boolean)
    .join("\n\n") + "\n";
}

export const dnsFix = narrative({
  summary: "Replaced the DNS forwarders on dc01 and verified resolution from three clients.",
  decision: "- Kept the old forwarder as a secondary until the new one has run for a week.",
  problem: "- Resolution failed until the firewall rule for 10.0.0.10 was added.",
  change: "- Edited /etc/bind/named.conf.options on dc01",
  infra: "- dc01.acme.local 10.0.0.10 (BIND 9)",
  command: "- `dig @10.0.0.10 example.com` -> NOERROR",
  pending: "- [ ] Remove the old forwarder next week.",
  reference: "- Syncro ticket #1041",
  extra: "## Note for alice\nThe acme backup job still points at the old NAS (nas01); can you move it to nas02 this week?\n",
});

/** Six sessions on mike's machine and three on alice's, each a different piece of work at the same client. */
export const burst = {
  mike: [
    ["firewall-rules", "Tightened the inbound rules on fw01.acme.local 10.0.0.1 to the published services only."],
    ["vpn-rekey", "Rotated the site-to-site VPN pre-shared key with the branch office; tunnel back up in 40 s."],
    ["printer-queue", "Cleared the stuck print queue on print01.acme.local and updated the floor 2 driver."],
    ["backup-verify", "Ran a test restore from last night's backup of fs01.acme.local; 1,204 files restored."],
    ["patch-tuesday", "Approved this month's Windows updates for the pilot ring and scheduled the rest for Friday."],
    ["mailbox-migration", "Moved the last three shared mailboxes to the new tenant and checked send-as rights."],
  ],
  alice: [
    ["nas-replacement", "Racked nas02.acme.local 10.0.0.22 to replace the old NAS; first sync of the shares started."],
    ["wifi-survey", "Walked the second floor with the survey kit; two dead zones near the stairwell."],
    ["ups-battery", "Swapped the battery pack in the server-room UPS; runtime back to 38 minutes."],
  ],
};

export function burstNarrative(text) {
  const host = /\S+\.acme\.local( \d+\.\d+\.\d+\.\d+)?/.exec(text)?.[0];
  return narrative({ summary: text, problem: "- The change window started 15 minutes late.", infra: host ? `- ${host}` : "None." });
}

export const simple = (summary) => narrative({ summary });
