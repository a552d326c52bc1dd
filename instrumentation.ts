export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { servicesReady } = await import("@/server/services");
    await servicesReady();
  }
}
