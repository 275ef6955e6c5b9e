/** How the console prints values: dpids as the API does (16 hex digits), MACs as aa:bb:cc:dd:ee:ff, times short. */

/** A dpid as 16 lower-case hex digits (the API's form), whatever the input's padding. */
export function dpidText(dpid: string): string {
  return dpid.toLowerCase().replace(/^0x/, '').padStart(16, '0');
}

/** A MAC as aa:bb:cc:dd:ee:ff. */
export function macText(mac: string): string {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  return hex.length === 12 ? hex.match(/../g)!.join(':') : mac.toLowerCase();
}

/** An ISO time as local `HH:MM:SS` (with the date when it is not today). */
export function timeText(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const t = d.toLocaleTimeString([], { hour12: false });
  return d.toDateString() === new Date().toDateString() ? t : `${d.toISOString().slice(0, 10)} ${t}`;
}

/** A switch's label: its name with the dpid, or the dpid alone. */
export function switchLabel(dpid: string, name: string | undefined): string {
  return name ? `${name} (${dpid})` : dpid;
}
