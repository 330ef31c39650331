import { estimateRequestTokens, reportedTokens } from './judge-tokens';

describe('judge token estimates', () => {
  it('reserves a quarter of the body bytes plus the completion the request may produce', () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(1000) }] });
    const bytes = Buffer.byteLength(body);
    expect(estimateRequestTokens(body, 512)).toBe(Math.ceil(bytes / 4) + 512);
    const capped = JSON.stringify({ model: 'm', max_tokens: 50, messages: [] });
    expect(estimateRequestTokens(capped, 512)).toBe(Math.ceil(Buffer.byteLength(capped) / 4) + 50);
    const newer = JSON.stringify({ model: 'm', max_completion_tokens: 70, max_tokens: 50 });
    expect(estimateRequestTokens(newer, 512)).toBe(Math.ceil(Buffer.byteLength(newer) / 4) + 70);
    expect(estimateRequestTokens('not json', 10)).toBe(2 + 10);
    expect(estimateRequestTokens(undefined, 10)).toBe(10);
  });

  it('reads the usage of a JSON 2xx answer only, leaving the answer readable', async () => {
    const ok = new Response(JSON.stringify({ usage: { total_tokens: 321 } }), { headers: { 'content-type': 'application/json' } });
    expect(await reportedTokens(ok)).toBe(321);
    expect(await ok.json()).toEqual({ usage: { total_tokens: 321 } });
    const parts = new Response(JSON.stringify({ usage: { prompt_tokens: 5, completion_tokens: 6 } }), { headers: { 'content-type': 'application/json' } });
    expect(await reportedTokens(parts)).toBe(11);
    const failed = new Response(JSON.stringify({ usage: { total_tokens: 9 } }), { status: 500, headers: { 'content-type': 'application/json' } });
    expect(await reportedTokens(failed)).toBeNull();
    expect(await reportedTokens(new Response('{"usage":{"total_tokens":9}}', { headers: { 'content-type': 'text/plain' } }))).toBeNull();
    expect(await reportedTokens(new Response('{broken', { headers: { 'content-type': 'application/json' } }))).toBeNull();
    expect(await reportedTokens(new Response('{}', { headers: { 'content-type': 'application/json' } }))).toBeNull();
  });
});
