// pidusage 4 ships no types; this declares the one call the benchmark uses.
declare module 'pidusage' {
  /** One sample of a process: cpu %, memory (RSS bytes), ctime (user+system CPU ms). */
  interface Stat {
    cpu: number
    memory: number
    ctime: number
    elapsed: number
    pid: number
  }
  /** Samples a process by pid (Linux: /proc/<pid>/stat). */
  function pidusage(pid: number): Promise<Stat>
  export default pidusage
}
