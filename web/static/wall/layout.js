// Pure helpers of the wall screen: where a tile sits, what a screen credential looks like,
// and when a tour switches (on the server's clock).

/** CSS grid placement of a layout cell ({row, col, rows, cols}, 0-based). */
export function gridArea(cell) {
  return {
    gridRow: `${cell.row + 1} / span ${cell.rows}`,
    gridColumn: `${cell.col + 1} / span ${cell.cols}`,
  };
}

/** {wall, number} from a screen page's path /wall/<id>/screen/<n>, or null. */
export function screenFromPath(pathname) {
  const match = /^\/wall\/([0-9a-f]{1,32})\/screen\/([0-9]{1,3})\/?$/.exec(pathname || "");
  return match ? { wall: match[1], number: Number(match[2]) } : null;
}

/** The key in a URL fragment "#key=..." (null when none). */
export function keyFromHash(hash) {
  const params = new URLSearchParams((hash || "").replace(/^#/, ""));
  const key = params.get("key");
  return key && /^[A-Za-z0-9_-]{20,100}$/.test(key) ? key : null;
}

/** The socket token of a screen (command_center/screen_credentials.py). */
export const screenToken = (wall, number, key) => `screen:${wall}:${number}:${key}`;

/** Milliseconds from `localNowMs` until `switchAt` (server epoch seconds), given the
 * server's clock minus ours (`offsetS`); null when nothing switches. */
export function msUntil(switchAt, offsetS, localNowMs) {
  if (switchAt === null || switchAt === undefined) return null;
  return Math.max(0, Math.round((switchAt - offsetS) * 1000 - localNowMs));
}

/** The class of a severity level ("red" -> "sev-red"); unknown levels get their index. */
export function severityClass(severity, levels) {
  if (!severity) return "";
  const index = (levels || []).indexOf(severity);
  return /^[a-z]+$/.test(severity) ? `sev-${severity}` : `sev-${index < 0 ? 0 : index}`;
}

/** Producer ids a tile's shown or upcoming part carries, of one kind. */
export const producerIds = (part, kind = "video") =>
  part ? part.producers.filter((p) => p.kind === kind).map((p) => p.producerId) : [];
