using AirRemediation.Engine.Execution;
using AirRemediation.Engine.Kinds.DisableForwarding;
using AirRemediation.Engine.Kinds.SoftDelete;
using AirRemediation.Engine.Kinds.UrlBlock;

namespace AirRemediation.Infrastructure;

/// <summary>The standard sink: each item result to the pipeline (and to the error stream when it failed), progress to Write-Progress.</summary>
internal static class RunSinks
{
    public static RunSink For(AirCmdlet cmdlet, Action<object> emit, Action<System.Management.Automation.ErrorRecord> error,
        Action<System.Management.Automation.ProgressRecord> progress) =>
        new(item =>
            {
                switch (item)
                {
                    case MessageResult r:
                        emit(ResultMapper.ToOutput(r));
                        if (ResultMapper.ErrorFor(r) is { } e) error(e);
                        break;
                    case ForwardingResult f:
                        emit(ResultMapper.ToOutput(f));
                        if (ResultMapper.ErrorFor(f) is { } fe) error(fe);
                        break;
                    case UrlBlockResult u:
                        emit(ResultMapper.ToOutput(u));
                        if (ResultMapper.ErrorFor(u) is { } ue) error(ue);
                        break;
                }
            },
            p => progress(ResultMapper.ToProgress(p)));
}
