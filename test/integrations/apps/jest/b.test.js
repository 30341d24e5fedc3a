test('sees the secret', () => {
  expect(process.env.OPENAI_API_KEY?.startsWith('sk-INT-')).toBe(true);
});
