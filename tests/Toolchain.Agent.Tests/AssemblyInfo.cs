// The agents these tests start time real models on a 2-core machine: one test at a time keeps each agent's jobs from
// competing with another test's for the cores (correctness would hold, but every test would crawl).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
