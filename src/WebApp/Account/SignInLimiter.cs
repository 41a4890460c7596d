using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace CollabEditor.WebApp.Account;

/// <summary>
/// Sign-in rate limits ("RateLimits" section), for the sign-in page and POST /api/auth/token together.
/// The defaults keep one client far below Identity's lockout threshold (10 failures): 5 attempts per user
/// name per 15 minutes from one address, so locking someone out from one place takes half an hour,
/// not ten quick requests.
/// </summary>
public sealed class SignInLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Sign-in attempts (any user name, any outcome) from one client address per <see cref="SignInPerAddressWindow"/>: bounds floods and password-hashing work.</summary>
    [Range(1, 1_000_000)]
    public int SignInPerAddress { get; set; } = 30;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SignInPerAddressWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sign-in attempts for one user name from one client address per <see cref="SignInPerUserNameWindow"/>: bounds guessing one account.</summary>
    [Range(1, 1_000_000)]
    public int SignInPerUserName { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SignInPerUserNameWindow { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>Which limit refused a sign-in, and when the client may try again.</summary>
public sealed record SignInRefusal(string Limit, TimeSpan RetryAfter);

/// <summary>
/// The sign-in limits as sliding windows (System.Threading.RateLimiting, the limiters under ASP.NET Core's
/// rate-limiting middleware), applied where the user name is known: the middleware's partitioner runs
/// before the endpoint and cannot read a form or JSON body, and the page shows its own message.
/// </summary>
public sealed class SignInLimiter : IDisposable
{
    private const int SegmentsPerWindow = 6;

    private readonly PartitionedRateLimiter<string> _byAddress;
    private readonly PartitionedRateLimiter<string> _byUserName;
    private readonly TimeSpan _addressSegment;
    private readonly TimeSpan _userNameSegment;

    public SignInLimiter(IOptions<SignInLimitOptions> options)
    {
        var o = options.Value;
        _byAddress = Partitioned(o.SignInPerAddress, o.SignInPerAddressWindow);
        _byUserName = Partitioned(o.SignInPerUserName, o.SignInPerUserNameWindow);
        _addressSegment = o.SignInPerAddressWindow / SegmentsPerWindow;
        _userNameSegment = o.SignInPerUserNameWindow / SegmentsPerWindow;
    }

    /// <summary>Takes one attempt from both limits; null when allowed, else which limit refused it.</summary>
    public SignInRefusal? TryAcquire(IPAddress? client, string? normalizedUserName)
    {
        var address = PartitionOf(client);
        using (var lease = _byAddress.AttemptAcquire(address))
        {
            if (!lease.IsAcquired)
            {
                return new("address", RetryAfter(lease, _addressSegment));
            }
        }

        // The user name with the address, so one attacker cannot block a user name for everyone else;
        // a name guessed from many places still meets Identity's lockout.
        using var byName = _byUserName.AttemptAcquire($"{normalizedUserName}\n{address}");
        return byName.IsAcquired ? null : new("user name", RetryAfter(byName, _userNameSegment));
    }

    public void Dispose()
    {
        _byAddress.Dispose();
        _byUserName.Dispose();
    }

    /// <summary>IPv6 clients by their /64: one host can take a whole /64 and would otherwise get a fresh limit per address.</summary>
    internal static string PartitionOf(IPAddress? client)
    {
        if (client is null)
        {
            return "unknown";
        }

        if (client.AddressFamily != AddressFamily.InterNetworkV6 || client.IsIPv4MappedToIPv6)
        {
            return (client.IsIPv4MappedToIPv6 ? client.MapToIPv4() : client).ToString();
        }

        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static PartitionedRateLimiter<string> Partitioned(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            SegmentsPerWindow = SegmentsPerWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);

    // A sliding window frees permits one segment at a time: the next segment boundary is the earliest a retry can pass.
    private static TimeSpan RetryAfter(RateLimitLease lease, TimeSpan segment) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : segment;
}
