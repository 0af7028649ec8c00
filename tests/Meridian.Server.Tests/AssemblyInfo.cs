// Tests run one at a time: they assert exact /metrics figures, which every server in the process would add to.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
