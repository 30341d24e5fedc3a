// Read at request time: a page or route rendered at build time would keep build-time values.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ seen: process.env.OPENAI_API_KEY?.startsWith('sk-INT-') ?? false });
}
