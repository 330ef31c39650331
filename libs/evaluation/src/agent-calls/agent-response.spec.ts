import { extractAgentResponse } from './agent-response';

describe('extractAgentResponse', () => {
  it('reads the usual keys', () => {
    expect(extractAgentResponse({ output: 'hi', sources: ['a', 'b'] })).toEqual({
      output: 'hi',
      sources: ['a', 'b'],
      output_key: 'output',
      sources_key: 'sources',
    });
    expect(extractAgentResponse({ answer: 'x', citations: [{ url: 'https://d/1' }, { title: 'T' }] })).toMatchObject({
      output: 'x',
      sources: ['https://d/1', 'T'],
    });
  });

  it('looks inside data and OpenAI-like choices', () => {
    expect(extractAgentResponse({ data: { response: 'r', references: ['s'] } })).toMatchObject({ output: 'r', output_key: 'data.response', sources: ['s'] });
    expect(extractAgentResponse({ choices: [{ message: { content: 'c' } }] })).toMatchObject({ output: 'c', output_key: 'choices.0.message.content' });
  });

  it('honours explicit paths first', () => {
    const body = { output: 'wrong', result: { final: { text: 'right' }, docs: ['d1'] } };
    expect(extractAgentResponse(body, { output_path: 'result.final.text', sources_path: 'result.docs' })).toEqual({
      output: 'right',
      sources: ['d1'],
      output_key: 'result.final.text',
      sources_key: 'result.docs',
    });
  });

  it('takes plain text as the output and reports a missing output as null', () => {
    expect(extractAgentResponse('plain answer').output).toBe('plain answer');
    expect(extractAgentResponse({ unrelated: 1 })).toEqual({ output: null, sources: [], output_key: null, sources_key: null });
  });
});

describe('storableText', () => {
  it('replaces NUL and lone surrogates, keeps valid pairs, and cuts long text', async () => {
    const { storableText } = await import('./agent-response');
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y')).toBe('x\uFFFDy');
    expect(storableText('x\uDC00y')).toBe('x\uFFFDy');
    expect(storableText('ok 😀')).toBe('ok 😀');
    expect(storableText('abcdef', 3)).toBe('abc');
    expect(extractAgentResponse({ output: 'bad\u0000', sources: ['s\u0000'] })).toMatchObject({ output: 'bad\uFFFD', sources: ['s\uFFFD'] });
  });
});
