/**
 * The Temporal UI check, in headless Chromium (Debian's `chromium`, installed by scripts/install-chromium.sh;
 * playwright-core drives it and never downloads a browser): the dev server's workflow list, filtered by
 * the job's search attribute, lists the job's workflows; the job's page shows its state and phase among
 * its search attributes. Returns what it read; the screenshot of the list goes where the caller says.
 */
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ui = () => `http://127.0.0.1:${process.env.HW_TEMPORAL_UI_PORT ?? 8233}`;

export interface UiSeen { listed: string[]; searchAttributes: string }

/** The workflow ids in the list's rows (the UI's "Workflow ID" column). */
async function listedIds(page: Page, expected: string[]): Promise<string[]> {
  const rows = page.locator('tr');
  // The list loads after the page (visibility query): wait for the rows named, not for a time.
  for (const id of expected) await rows.filter({ hasText: id }).first().waitFor({ timeout: 30_000 });
  const texts = await rows.allInnerTexts();
  return texts.flatMap((t) => t.split(/\s+/).filter((w) => w.startsWith('job/') || w.startsWith('restore/')));
}

export async function checkTemporalUi(o: { jobId: string; expected: string[]; screenshot: string }): Promise<UiSeen> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run 'bash scripts/install-chromium.sh' (npm test does when it is missing)`);
  // --no-sandbox: the tests run as root, where Chromium refuses its sandbox.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const query = encodeURIComponent(`HeadwaterJobId = '${o.jobId}'`);
    await page.goto(`${ui()}/namespaces/default/workflows?query=${query}`);
    const listed = await listedIds(page, o.expected);
    await page.screenshot({ path: o.screenshot });
    await page.goto(`${ui()}/namespaces/default/workflows/${encodeURIComponent(`job/${o.jobId}`)}`);
    await page.getByText('Search Attributes', { exact: true }).first().click();
    const attrs = page.getByText('HeadwaterPhase').first();
    await attrs.waitFor({ timeout: 30_000 });
    const searchAttributes = await page.locator('main').innerText();
    return { listed, searchAttributes };
  } finally {
    await browser.close();
  }
}
