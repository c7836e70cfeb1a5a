// The settings a page's address says, read as the page reads a link: the query string and the fragment (plain or
// compressed), so a test asks "does the link keep num_beams=3" wherever the page put it. Kept apart from the
// harness, which the bench scripts load in plain Node (where lz-string's CommonJS names do not resolve).
import { readLinkParams } from '../../src/store/urlState';

export function linkSettings(pageUrl: string): URLSearchParams {
  const link = new URL(pageUrl);
  return readLinkParams(link.search, link.hash, []);
}
