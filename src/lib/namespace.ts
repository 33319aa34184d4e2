// Namespaces ("db.coll"): the collection part may itself contain dots.
export function splitNs(ns: string): { db: string; coll: string } {
  const dot = ns.indexOf('.');
  if (dot <= 0 || dot === ns.length - 1)
    throw new Error(`invalid namespace '${ns}': expected '<db>.<collection>'`);
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}
