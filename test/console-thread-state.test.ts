/**
 * How the console merges what it learns about the open thread (console/src/thread-state.ts),
 * for the orders of arrival the browser test cannot arrange on purpose: a reload after more
 * messages arrived than a page holds, a send's answer landing after the live status that
 * followed it, a late status of a message older than the pages loaded, an older page coming
 * back after the thread was read again.
 */
import { describe, expect, it } from 'vitest';
import type { ConsoleMessageFragment, ConsoleMessagePageFragment } from '../console/src/gql/graphql';
import { refreshed, visibleTimeline, withEarlier, withMessage, type Thread } from '../console/src/thread-state';

const at = (minute: number) => new Date(Date.UTC(2026, 11, 6, 9, minute)).toISOString();

function message(n: number, status: ConsoleMessageFragment['status'] = 'RECEIVED', updatedMinute = n): ConsoleMessageFragment {
  return {
    id: `m${n}`,
    direction: status === 'RECEIVED' ? 'INBOUND' : 'OUTBOUND',
    body: `message ${n}`,
    mediaUrls: [],
    status,
    errorCode: null,
    errorMessage: null,
    createdAt: at(n),
    updatedAt: at(updatedMinute),
    segments: 1,
    encoding: 'GSM7',
    conversation: { id: 'c1' },
    sentBy: null,
  };
}

function thread(numbers: number[], earlier: string | null, totalCount = numbers.length): Thread {
  return {
    conversation: { id: 'c1' } as Thread['conversation'],
    messages: numbers.map((n) => message(n)),
    totalCount,
    timeline: [],
    earlier,
  };
}

function page(numbers: number[], hasPreviousPage: boolean): ConsoleMessagePageFragment {
  return {
    totalCount: 0,
    pageInfo: { hasPreviousPage, startCursor: numbers.length ? `m${numbers[0]}` : null },
    edges: numbers.map((n) => ({ node: message(n) })),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const ids = (t: Thread) => t.messages.map((m) => m.id);

describe('the open thread in the console', () => {
  it('keeps the earlier pages and what was pushed since when a reload meets them', () => {
    // Loaded back to m1; m11 was pushed after the reload read m3..m10.
    const open = withMessage(thread(range(1, 10), null), message(11));
    const fresh = thread(range(3, 10), 'm3', 10);
    const merged = refreshed(open, fresh);
    expect(ids(merged)).toEqual(range(1, 11).map((n) => `m${n}`));
    expect(merged.earlier).toBeNull();
    expect(merged.totalCount).toBe(11);
  });

  it('starts over from the reload when more arrived than a page holds, leaving no hole', () => {
    const open = thread(range(1, 5), null);
    const fresh = thread(range(20, 25), 'm20', 25);
    expect(refreshed(open, fresh)).toEqual(fresh);
  });

  it('does not let an older answer overwrite a newer status', () => {
    const open = withMessage(thread(range(1, 3), null), message(4, 'SENT', 6));
    // The send's own answer (QUEUED, older) arrives after the live SENT.
    const late = withMessage(open, message(4, 'QUEUED', 4));
    expect(late.messages[3].status).toBe('SENT');
    expect(withMessage(late, message(4, 'DELIVERED', 8)).messages[3].status).toBe('DELIVERED');
    expect(late.totalCount).toBe(4);
  });

  it('leaves a late status of a message older than the pages loaded to the history not shown', () => {
    const open = thread(range(10, 12), 'm10', 12);
    expect(withMessage(open, message(2, 'DELIVERED'))).toBe(open);
    // Once loaded from the start, a message of any time joins in order.
    const whole = thread([1, 3], null);
    expect(ids(withMessage(whole, message(2)))).toEqual(['m1', 'm2', 'm3']);
  });

  it('puts an older page in front once, and ignores one read for a thread since read again', () => {
    const open = thread(range(4, 6), 'm4', 6);
    const loaded = withEarlier(open, page(range(1, 4), false), 'm4');
    expect(ids(loaded)).toEqual(range(1, 6).map((n) => `m${n}`));
    expect(loaded.earlier).toBeNull();
    expect(withEarlier({ ...open, earlier: 'm5' }, page(range(1, 3), false), 'm4').messages).toHaveLength(3);
  });

  it('shows the timeline notes of the loaded range only, all of them once loaded from the start', () => {
    const timeline: Thread['timeline'] = [
      { kind: 'TAKEN_OVER', at: at(2), agent: null, apiKeyName: 'ops' },
      { kind: 'HANDED_BACK', at: at(7), agent: null, apiKeyName: 'ops' },
    ];
    expect(visibleTimeline({ ...thread(range(5, 9), 'm5'), timeline }).map((e) => e.kind)).toEqual(['HANDED_BACK']);
    expect(visibleTimeline({ ...thread(range(5, 9), null), timeline })).toHaveLength(2);
  });
});
