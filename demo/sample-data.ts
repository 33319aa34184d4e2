/**
 * The sample source: a shop, a CRM and a clickstream, each its own database, with documents shaped like
 * real ones (nested addresses, arrays of line items, dates, decimals, free text) and a few secondary
 * indexes. Generated from a fixed seed, so every run holds the same data; `scale` sizes it.
 */
import { ObjectId, type Document, type MongoClient } from 'mongodb';
import type { DemoNames } from './names.js';

/** mulberry32: a tiny seeded generator, so the sample is the same on every run. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
export type Rng = ReturnType<typeof seeded>;

const FIRST = ['Ada', 'Grace', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'Tim', 'Sophie'];
const LAST = ['Lovelace', 'Hopper', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman'];
const CITIES = [['Lyon', 'FR'], ['Porto', 'PT'], ['Leeds', 'GB'], ['Graz', 'AT'], ['Austin', 'US'], ['Osaka', 'JP']] as const;
const CATEGORIES = ['books', 'garden', 'kitchen', 'toys', 'outdoor', 'audio'];
export const STATUSES = ['placed', 'paid', 'packed', 'shipped', 'delivered'] as const;
const INDUSTRIES = ['retail', 'logistics', 'health', 'energy', 'media'];
const WORDS = 'call customer about renewal pricing discount contract invoice delivery delay support ticket escalated resolved follow up next quarter'.split(' ');
const PATHS = ['/', '/cart', '/checkout', '/search', '/product', '/account', '/help'];

const words = (r: Rng, n: number) => Array.from({ length: n }, () => r.pick(WORDS)).join(' ');
const day = (r: Rng) => new Date(Date.UTC(2026, r.int(11), 1 + r.int(28), r.int(24), r.int(60)));
const person = (r: Rng) => `${r.pick(FIRST)} ${r.pick(LAST)}`;

export const sku = (i: number) => `SKU-${String(i).padStart(5, '0')}`;

export const makers = {
  customer: (r: Rng, i: number): Document => {
    const [city, country] = r.pick(CITIES);
    return {
      _id: new ObjectId(),
      name: person(r),
      email: `user${i}@example.com`,
      address: { street: `${1 + r.int(200)} ${r.pick(LAST)} Street`, city, country, zip: String(10000 + r.int(89999)) },
      tier: r.pick(['bronze', 'silver', 'gold']),
      tags: [r.pick(['newsletter', 'b2b', 'vip', 'returns'])],
      createdAt: day(r),
    };
  },
  product: (r: Rng, i: number): Document => ({
    _id: sku(i),
    name: `${r.pick(['Deluxe', 'Compact', 'Classic', 'Smart'])} ${r.pick(CATEGORIES)} item ${i}`,
    category: r.pick(CATEGORIES),
    price: Math.round(500 + r.int(20000)) / 100, // a double: FerretDB 1.x has no decimal128
    stock: r.int(500),
    attributes: { weightGrams: 50 + r.int(5000), colour: r.pick(['red', 'blue', 'black', 'white']) },
  }),
  order: (r: Rng, customers: number, products: number): Document => {
    const items = Array.from({ length: 1 + r.int(4) }, () => ({ sku: sku(r.int(products)), qty: 1 + r.int(3), price: (5 + r.int(20000) / 100).toFixed(2) }));
    return {
      _id: new ObjectId(),
      customer: `user${r.int(customers)}@example.com`,
      items,
      total: items.reduce((t, x) => t + x.qty * Number(x.price), 0),
      status: r.pick(STATUSES),
      history: [{ status: 'placed', at: day(r) }],
      placedAt: day(r),
    };
  },
  account: (r: Rng, i: number): Document => ({ _id: i, name: `${r.pick(LAST)} ${r.pick(['GmbH', 'Ltd', 'SA', 'Inc'])}`, industry: r.pick(INDUSTRIES), employees: 5 + r.int(5000), owner: person(r) }),
  contact: (r: Rng, accounts: number): Document => ({ _id: new ObjectId(), accountId: r.int(accounts), name: person(r), title: r.pick(['CTO', 'buyer', 'CFO', 'ops lead']), phone: `+33 ${100000000 + r.int(899999999)}` }),
  note: (r: Rng, accounts: number): Document => ({ _id: new ObjectId(), accountId: r.int(accounts), body: words(r, 20 + r.int(40)), createdAt: day(r) }),
  pageview: (r: Rng, customers: number): Document => ({ _id: new ObjectId(), at: day(r), user: `user${r.int(customers)}@example.com`, path: r.pick(PATHS), ms: r.int(3000), ua: r.pick(['firefox', 'chrome', 'safari']) }),
};

/** How many documents each collection gets at scale 1 (about 16,000 documents, 5 MB of BSON). */
export function counts(scale: number) {
  const n = (x: number) => Math.max(20, Math.round(x * scale));
  return { customers: n(2000), products: n(400), orders: n(5000), accounts: n(400), contacts: n(1600), notes: n(2000), pageviews: n(4500) };
}
export type Counts = ReturnType<typeof counts>;

interface Plan { db: string; coll: string; n: number; make: (r: Rng, i: number) => Document; indexes: Document[] }

function plan(c: Counts): Plan[] {
  return [
    { db: 'shop', coll: 'customers', n: c.customers, make: makers.customer, indexes: [{ key: { email: 1 }, name: 'email_1', unique: true }] },
    { db: 'shop', coll: 'products', n: c.products, make: makers.product, indexes: [{ key: { category: 1, price: 1 }, name: 'category_1_price_1' }] },
    { db: 'shop', coll: 'orders', n: c.orders, make: (r) => makers.order(r, c.customers, c.products), indexes: [{ key: { customer: 1, placedAt: -1 }, name: 'customer_1_placedAt_-1' }] },
    { db: 'crm', coll: 'accounts', n: c.accounts, make: makers.account, indexes: [] },
    { db: 'crm', coll: 'contacts', n: c.contacts, make: (r) => makers.contact(r, c.accounts), indexes: [{ key: { accountId: 1 }, name: 'accountId_1' }] },
    { db: 'crm', coll: 'notes', n: c.notes, make: (r) => makers.note(r, c.accounts), indexes: [] },
    { db: 'events', coll: 'pageviews', n: c.pageviews, make: (r) => makers.pageview(r, c.customers), indexes: [{ key: { at: 1 }, name: 'at_1' }] },
  ];
}

/** Seeds the sample into the run's source databases; `onDocs` is told of every batch. Returns the total. */
export async function seedSample(source: MongoClient, names: DemoNames, c: Counts, onDocs: (n: number) => void): Promise<number> {
  const r = seeded(20261203);
  let total = 0;
  for (const p of plan(c)) {
    const coll = source.db(names.sourceDb(p.db)).collection(p.coll);
    for (let i = 0; i < p.n; i += 500) {
      const docs = Array.from({ length: Math.min(500, p.n - i) }, (_, k) => p.make(r, i + k));
      await coll.insertMany(docs, { ordered: false });
      total += docs.length;
      onDocs(docs.length);
    }
    if (p.indexes.length > 0) await coll.createIndexes(p.indexes as never);
  }
  return total;
}
