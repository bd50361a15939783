// Pure parts of the operator console (/command): what a dragged tree item puts on a
// tile, what a tile's label says (from the live tree), where a layout cell sits, and
// a tour's body. No DOM, no Vue: unit-tested in web/test/console/command-model.test.js.

/** The drag-and-drop type of a tree item (a JSON source). */
export const DRAG_TYPE = "application/x-hub-source";

/** A tree item (room, participant, camera) as a PUT tile body; null if malformed. */
export function sourceOf(item) {
  if (!item || typeof item !== "object") return null;
  const id = (value) => typeof value === "string" && /^[0-9A-Za-z_-]{1,64}$/.test(value);
  if (item.kind === "room" && id(item.roomId)) return { kind: "room", roomId: item.roomId };
  if (item.kind === "participant" && id(item.roomId) && id(item.participantId)) {
    return { kind: "participant", roomId: item.roomId, participantId: item.participantId };
  }
  if (item.kind === "camera" && id(item.cameraId)) return { kind: "camera", cameraId: item.cameraId };
  return null;
}

/** A drag's data back to a source (null for anything else dropped on a tile). */
export function decodeDrag(text) {
  try {
    return sourceOf(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The same source? (room:<id>, participant:<room>/<id>, camera:<id>, as the hub keys them) */
export function sourceKey(source) {
  if (!source) return "";
  if (source.kind === "participant") return `participant:${source.roomId}/${source.participantId}`;
  if (source.kind === "camera") return `camera:${source.cameraId}`;
  if (source.kind === "tour") return `tour:${(source.items || []).map(sourceKey).join(",")}`;
  return `room:${source.roomId}`;
}

/** Rooms, participants and cameras of a live tree by id, with their organisation. */
export function indexTree(tree) {
  const rooms = new Map();
  const cameras = new Map();
  const orgs = (tree && tree.organisations) || [];
  for (const org of orgs) {
    for (const room of org.rooms || []) rooms.set(room.id, { room, org });
    for (const camera of org.cameras || []) cameras.set(camera.id, { camera, org });
  }
  for (const room of (tree && tree.unowned) || []) rooms.set(room.id, { room, org: null });
  return { rooms, cameras };
}

/**
 * What a tile says: {kind, title, org, severity, people, recording, live, tour, missing}.
 * `content` is the stored tile ({kind: room|participant|camera|tour, ...}) or null.
 */
export function tileLabel(content, index) {
  if (!content) return null;
  if (content.kind === "tour") {
    const items = content.items || [];
    return {
      kind: "tour", title: null, steps: items.length, dwellS: content.dwellS,
      paused: content.pausedAt !== null && content.pausedAt !== undefined,
      items: items.map((item) => tileLabel(item, index)),
    };
  }
  if (content.kind === "camera") {
    const found = index.cameras.get(content.cameraId);
    return {
      kind: "camera", title: found ? found.camera.name : null, org: found ? found.org.name : null,
      state: found ? found.camera.state : null, missing: !found,
    };
  }
  const found = index.rooms.get(content.roomId);
  if (!found) return { kind: content.kind, title: null, missing: true };
  const { room, org } = found;
  const person = content.kind === "participant"
    ? (room.participants || []).find((p) => p.id === content.participantId) : null;
  return {
    kind: content.kind,
    title: room.caseTitle || room.name,
    org: org ? org.name : null,
    severity: room.severity,
    people: (room.participants || []).length,
    person: person ? person.name : null,
    recording: Boolean(room.recording),
    live: Boolean(room.live),
    missing: false,
  };
}

/** CSS grid placement of a layout cell ({row, col, rows, cols}, 0-based). */
export const cellStyle = (cell) => ({
  gridRow: `${cell.row + 1} / span ${cell.rows || 1}`,
  gridColumn: `${cell.col + 1} / span ${cell.cols || 1}`,
});

export const MIN_DWELL_S = 5;
export const MAX_DWELL_S = 3600;

/** The body of a tile tour (PUT .../tiles/<n>), or an error key. */
export function tourBody(sources, dwellS) {
  const items = (sources || []).map(sourceOf).filter(Boolean);
  if (items.length < 2) return { error: "tour_needs_two" };
  const dwell = Number(dwellS);
  if (!Number.isFinite(dwell) || dwell < MIN_DWELL_S || dwell > MAX_DWELL_S) return { error: "tour_dwell_range" };
  return { body: { kind: "tour", items, dwellS: dwell } };
}

/** The layouts the console offers (any other stored one shows as it is). */
export const LAYOUTS = ["1", "2x2", "1+5", "3x3", "4x4"];
