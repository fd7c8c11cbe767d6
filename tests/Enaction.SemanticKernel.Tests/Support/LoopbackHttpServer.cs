using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Enaction.SemanticKernel.Tests.Support;

/// <summary>A real HTTP listener on 127.0.0.1 that records each request and answers with a handler's reply.</summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<ReceivedRequest, (int Status, string Body)> _handler;
    private readonly Task _loop;

    public LoopbackHttpServer(Func<ReceivedRequest, (int Status, string Body)> handler)
    {
        _handler = handler;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    /// <summary>Completes when a request matching <paramref name="predicate"/> has arrived.</summary>
    public async Task<ReceivedRequest> WaitForAsync(Func<ReceivedRequest, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var hit = Requests.FirstOrDefault(predicate);
            if (hit is not null) return hit;
            await Task.Delay(50);
        }
        throw new TimeoutException($"no matching request within {timeout}; got {Requests.Count}");
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k] ?? "", StringComparer.OrdinalIgnoreCase);
            var request = new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType, headers, body);
            Requests.Enqueue(request);
            var (status, reply) = _handler(request);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(reply);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }
    }
}

public sealed record ReceivedRequest(string Method, string Path, string? ContentType, Dictionary<string, string> Headers, string Body);
