// The HA state of a router replica as the API shows it, and split brain.

export type HaState = 'active' | 'standby' | 'fault' | 'unknown';

/** What an agent reports; keepalived's words are mapped to Neutron's. */
export function haStateFromReport(report: string): HaState | undefined {
  switch (report) {
    case 'master':
    case 'primary':
    case 'active':
      return 'active';
    case 'backup':
    case 'standby':
      return 'standby';
    case 'fault':
      return 'fault';
    default:
      return undefined;
  }
}

/** A replica whose agent is not alive is `unknown`: its last report says nothing now. */
export function shownHaState(reported: HaState, agentAlive: boolean): HaState {
  return agentAlive ? reported : 'unknown';
}

/** Two or more alive replicas reporting active at once. */
export function isSplitBrain(states: readonly HaState[]): boolean {
  return states.filter((s) => s === 'active').length > 1;
}
