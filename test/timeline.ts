/** Records the order in which named moments happen, to check overlap without timing thresholds. */
export async function runTimeline(
  work: (mark: (name: string) => void) => Promise<void>,
): Promise<{ before(a: string, b: string): boolean }> {
  const order: string[] = [];
  await work((name) => order.push(name));
  return {
    before: (a, b) => {
      const ia = order.indexOf(a);
      const ib = order.indexOf(b);
      if (ia < 0 || ib < 0) throw new Error(`missing mark ${ia < 0 ? a : b}`);
      return ia < ib;
    },
  };
}
