/**
 * The generated shop's items: distinct 9-digit ids, a Zipf-like popularity
 * (rank is shuffled against id, so popular items are spread over the id
 * range), a known category (special offer, 1..12 or a brand) and a base price.
 */
import { AliasTable } from './alias-table.ts';
import { Rng } from './prng.ts';
import {
  ITEM_CATEGORY_MIX,
  ITEM_ID_BASE,
  ITEM_POPULARITY,
  ITEMS_PER_BRAND,
  NUMBERED_CATEGORY_WEIGHTS,
  PRICE,
} from './shape.ts';

export interface Catalog {
  readonly size: number;
  /** Item index -> item id, as text (ready to write). */
  readonly itemIdText: readonly string[];
  /** Item index -> index into `categoryText` of the item's known category. */
  readonly itemCategory: Uint32Array;
  /** Category strings; index 0 is `'0'` (unknown). */
  readonly categoryText: readonly string[];
  /** Item index -> base price (> 0). */
  readonly itemPrice: Uint32Array;
  /** Draws an item index by popularity. */
  readonly popularity: AliasTable;
}

export const UNKNOWN_CATEGORY = 0;
const SPECIAL_OFFER = 1;
const FIRST_NUMBERED = 2;

export function createCatalog(size: number, rng: Rng): Catalog {
  // Ids: increasing by 1..13, then shuffled so that id order says nothing about popularity.
  const ids: number[] = new Array<number>(size);
  let id = ITEM_ID_BASE;
  for (let i = 0; i < size; i++) {
    id += 1 + rng.int(13);
    ids[i] = id;
  }
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = swap;
  }

  const brandCount = Math.max(10, Math.round(size / ITEMS_PER_BRAND));
  const categoryText = ['0', 'S', ...NUMBERED_CATEGORY_WEIGHTS.map((_, i) => String(i + 1)), ...brandNumbers(brandCount, rng)];
  const firstBrand = FIRST_NUMBERED + NUMBERED_CATEGORY_WEIGHTS.length;
  const numbered = new AliasTable(NUMBERED_CATEGORY_WEIGHTS);
  const itemCategory = new Uint32Array(size);
  const itemPrice = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const u = rng.next();
    if (u < ITEM_CATEGORY_MIX.specialOffer) itemCategory[i] = SPECIAL_OFFER;
    else if (u < ITEM_CATEGORY_MIX.specialOffer + ITEM_CATEGORY_MIX.numbered) itemCategory[i] = FIRST_NUMBERED + numbered.sample(rng);
    else itemCategory[i] = firstBrand + rng.int(brandCount);
    const price = Math.round(PRICE.median * Math.exp(PRICE.sigma * rng.normal()));
    itemPrice[i] = Math.max(PRICE.min, Math.min(PRICE.max, price));
  }

  const offset = Math.max(ITEM_POPULARITY.minOffset, size * ITEM_POPULARITY.offsetPerItem);
  const weights = new Float64Array(size);
  for (let rank = 0; rank < size; rank++) weights[rank] = (rank + 1 + offset) ** -ITEM_POPULARITY.exponent;

  return {
    size,
    itemIdText: ids.map(String),
    itemCategory,
    categoryText,
    itemPrice,
    popularity: new AliasTable(weights),
  };
}

/** Distinct 8-10 digit brand numbers (mostly 10 digits, as in the real set). */
function brandNumbers(count: number, rng: Rng): string[] {
  const seen = new Set<string>();
  const brands: string[] = [];
  while (brands.length < count) {
    const u = rng.next();
    const digits = u < 0.15 ? 8 : u < 0.35 ? 9 : 10;
    const low = 10 ** (digits - 1);
    const text = String(low + Math.floor(rng.next() * 9 * low));
    if (!seen.has(text)) {
      seen.add(text);
      brands.push(text);
    }
  }
  return brands;
}
