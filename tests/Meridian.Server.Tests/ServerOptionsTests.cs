// ServerOptions.Validate names the option at fault; Build refuses invalid options before binding anything.
namespace Meridian.Server.Tests;

public sealed class ServerOptionsTests
{
    public static TheoryData<ServerOptions, string> Invalid => new()
    {
        { new ServerOptions { Host = "" }, "Host" },
        { new ServerOptions { Host = "example.com" }, "Host" },
        { new ServerOptions { Port = -1 }, "Port" },
        { new ServerOptions { Port = 65536 }, "Port" },
        { new ServerOptions { ApiKeys = ["ok", " "] }, "ApiKeys" },
        { new ServerOptions { MaxRequestBodyBytes = 0 }, "MaxRequestBodyBytes" },
        { new ServerOptions { ShutdownGrace = TimeSpan.FromSeconds(-1) }, "ShutdownGrace" },
        { new ServerOptions { RequestTimeout = TimeSpan.Zero }, "RequestTimeout" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_OutOfRange_ThrowsNamingOption(ServerOptions options, string field)
    {
        var e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Equal(field, e.ParamName);
        Assert.Contains("ServerOptions." + field, e.Message);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("localhost")]
    [InlineData("*")]
    [InlineData("0.0.0.0")]
    public void Validate_Defaults_AndHostForms_Pass(string host)
    {
        new ServerOptions { Host = host }.Validate();
        var defaults = new ServerOptions();
        Assert.Equal(("127.0.0.1", 8080, 8L << 20, TimeSpan.FromSeconds(10)), (defaults.Host, defaults.Port, defaults.MaxRequestBodyBytes, defaults.ShutdownGrace));
        Assert.Empty(defaults.ApiKeys);
        Assert.Null(defaults.RequestTimeout);
    }

    [SkippableFact]
    public void Build_InvalidOptions_Throws()
    {
        var engine = new FakeEngine(DemoModel.Info());
        Assert.Throws<ArgumentException>(() => MeridianServer.Build(engine, new ServerOptions { Port = 70000 }));
    }
}
