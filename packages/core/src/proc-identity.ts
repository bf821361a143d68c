// Process identities live with the process log, which names each run by one.
export { currentBootId, isAlive, processIdentity, startTimeFromStat, type ProcessIdentity } from '@ryouiki/logs';
