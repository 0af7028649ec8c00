// Entry point of the `meridian` executable: builds the command tree and runs it.
return Meridian.Cli.MeridianCommand.Run(args);
