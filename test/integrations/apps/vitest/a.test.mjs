import { expect, test } from 'vitest';

test('sees the secret', () => {
  expect(process.env.OPENAI_API_KEY?.startsWith('sk-INT-'), 'the secret is not set').toBe(true);
});
