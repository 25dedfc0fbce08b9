/**
 * The meaning of a click's `category` column (SPEC §1). The parser accepts
 * any non-empty string, because a category is a descriptive dimension: a
 * value outside the documented set is kept (and classified `other`) rather
 * than costing the click, whose session, time and item are still valid.
 */
export type CategoryKind = 'unknown' | 'special-offer' | 'category' | 'brand' | 'other';

export function classifyCategory(category: string): CategoryKind {
  if (category === '0') return 'unknown';
  if (category === 'S') return 'special-offer';
  const length = category.length;
  for (let i = 0; i < length; i++) {
    const code = category.charCodeAt(i);
    if (code < 48 || code > 57) return 'other';
  }
  if (length >= 8 && length <= 10) return 'brand';
  if (length <= 2 && category.charCodeAt(0) !== 48) {
    const value = Number(category);
    if (value >= 1 && value <= 12) return 'category';
  }
  return 'other';
}
