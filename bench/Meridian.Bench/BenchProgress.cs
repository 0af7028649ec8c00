// Progress of a long benchmark on stderr (results stay on stdout): a Spectre.Console bar when stderr is a terminal,
// plain lines when redirected. AutoRefresh is off: the bar is drawn only between timed runs, so no render thread
// competes with the engines for cores while a timer runs.
using Spectre.Console;

namespace Meridian.Bench;

internal abstract class BenchProgress
{
    /// <summary>Runs <paramref name="body"/> with progress of <paramref name="steps"/> counted steps on stderr.</summary>
    public static T Run<T>(int steps, Func<BenchProgress, T> body)
    {
        if (Console.IsErrorRedirected)
            return body(new Plain());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoRefresh(false)
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: Math.Max(1, steps));
                var result = body(new Bar(context, task));
                task.Description = "done";
                task.Value = task.MaxValue;
                context.Refresh();
                return result;
            });
    }

    /// <summary>The next counted unit of work begins (the previous one is done).</summary>
    public abstract void Step(string description);

    /// <summary>Detail within the current step; not counted.</summary>
    public abstract void Status(string description);

    private sealed class Plain : BenchProgress
    {
        public override void Step(string description) => Console.Error.WriteLine(description);

        public override void Status(string description) => Console.Error.WriteLine(description);
    }

    private sealed class Bar(ProgressContext context, ProgressTask task) : BenchProgress
    {
        private bool _started;

        public override void Step(string description)
        {
            if (_started)
                task.Increment(1);
            _started = true;
            Status(description);
        }

        public override void Status(string description)
        {
            task.Description = Markup.Escape(description);
            context.Refresh();
        }
    }
}
