using CollabEditor.Core.Merging;

namespace CollabEditor.Core.Customers;

/// <summary>The editable values of a customer: what a user types and what a merge compares.</summary>
public sealed record CustomerValues(string Name, string Email, string Phone, string Address, string Notes)
{
    /// <summary>The fields a three-way merge compares, in form order.</summary>
    public static IReadOnlyList<MergeField<CustomerValues>> Fields { get; } =
    [
        new(nameof(Name), "Name", typeof(string), c => c.Name, (c, v) => c with { Name = (string)v! }),
        new(nameof(Email), "Email", typeof(string), c => c.Email, (c, v) => c with { Email = (string)v! }),
        new(nameof(Phone), "Phone", typeof(string), c => c.Phone, (c, v) => c with { Phone = (string)v! }),
        new(nameof(Address), "Address", typeof(string), c => c.Address, (c, v) => c with { Address = (string)v! }),
        new(nameof(Notes), "Notes", typeof(string), c => c.Notes, (c, v) => c with { Notes = (string)v! }),
    ];

    /// <summary>Values trimmed the way they are stored (an email in lower case).</summary>
    public CustomerValues Normalized() => this with
    {
        Name = (Name ?? string.Empty).Trim(),
        Email = (Email ?? string.Empty).Trim().ToLowerInvariant(),
        Phone = (Phone ?? string.Empty).Trim(),
        Address = (Address ?? string.Empty).Trim(),
        Notes = (Notes ?? string.Empty).Trim(),
    };
}

/// <summary>A customer as committed: its values, its version, and who changed it last and when.</summary>
public sealed record CustomerSnapshot(int Id, CustomerValues Values, int Version, string LastChangedBy, DateTimeOffset LastChangedAt);
