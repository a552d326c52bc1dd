"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useTRPC } from "@/lib/trpc/client";

/** How many students a teacher expects when nothing else is known. */
export const DEFAULT_CLASS_SIZE = 30;

/**
 * Sandboxes kept ready for a class: asked for in the class link's row, counted as they start
 * (there and in the present view). Students who join while they are ready each start in one instead of waiting for
 * their own.
 */
export function useClassReadiness(sessionId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const options = trpc.sessions.classReadiness.queryOptions({ id: sessionId });
  const readiness = useQuery({
    ...options,
    // Polled often while sandboxes are still starting, now and then while students come and take
    // them, not at all when none was asked for.
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data || data.students === 0) return false;
      return data.ready < data.students ? 2_000 : 5_000;
    },
  });
  const prepare = useMutation(
    trpc.sessions.prepareClass.mutationOptions({
      onSuccess: (data) => queryClient.setQueryData(options.queryKey, data),
    }),
  );
  return { readiness, prepare };
}

/** "Getting ready: 12 of 30 students…", or nothing when none was asked for. */
export function ReadinessLine({ students, ready }: { students: number; ready: number }): ReactNode {
  if (students === 0) return null;
  const shown = Math.min(ready, students);
  return (
    <span role="status" aria-live="polite" data-testid="class-readiness" data-ready={shown} data-students={students}>
      {shown >= students ? `Ready for ${students} students` : `Getting ready: ${shown} of ${students} students…`}
    </span>
  );
}

/** The share row's control: how many students are expected, and the button that gets them ready. */
export function ClassReadiness({
  sessionId,
  students,
  onStudents,
}: {
  sessionId: string;
  students: number;
  onStudents: (value: number) => void;
}): ReactNode {
  const { readiness, prepare } = useClassReadiness(sessionId);
  const data = readiness.data;
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs text-stone-600 dark:text-stone-300">
      <label className="flex items-center gap-1">
        Students expected
        <input
          type="number"
          min={1}
          max={500}
          value={students}
          onChange={(event) => onStudents(Math.max(1, Math.min(500, Number(event.target.value) || 1)))}
          className="w-16 rounded-md border border-stone-300 bg-white px-1.5 py-1 dark:border-stone-700 dark:bg-stone-950"
        />
      </label>
      <Button disabled={prepare.isPending} onClick={() => prepare.mutate({ id: sessionId, students })}>
        Get the class ready
      </Button>
      {data && <ReadinessLine students={data.students} ready={data.ready} />}
      {prepare.error && (
        <span role="alert" className="text-red-700 dark:text-red-400">
          {prepare.error.message}
        </span>
      )}
    </div>
  );
}

/** Under a presented class link: how many sandboxes are ready, for the teacher to see before saying "go". */
export function PresentReadiness({ sessionId }: { sessionId: string }): ReactNode {
  const { readiness } = useClassReadiness(sessionId);
  const data = readiness.data;
  return <p className="text-sm text-stone-600">{data && <ReadinessLine students={data.students} ready={data.ready} />}</p>;
}
