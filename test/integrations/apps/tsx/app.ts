const key: string | undefined = process.env.OPENAI_API_KEY;
console.log(JSON.stringify({ seen: key?.startsWith('sk-INT-') ?? false }));
