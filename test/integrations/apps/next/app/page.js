export default function Home() {
  return <p>integration</p>;
}
