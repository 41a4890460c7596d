using Xunit.Abstractions;
using Xunit.Sdk;

namespace CollabEditor.Tests;

/// <summary>
/// xunit's own framework, plus one step when the whole assembly has run: stop and delete the
/// throwaway PostgreSQL cluster. (A process-exit handler is not enough: the test host may be
/// ended before it finishes.) Each test project names it with an assembly-level TestFramework.
/// </summary>
public sealed class TestRunFramework : XunitTestFramework
{
    public TestRunFramework(IMessageSink messageSink)
        : base(messageSink) => DisposalTracker.Add(new ClusterStopper());

    private sealed class ClusterStopper : IDisposable
    {
        public void Dispose() => TestPostgres.StopCluster();
    }
}
