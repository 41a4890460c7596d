using CollabEditor.Core.Customers;
using CollabEditor.Core.Merging;
using CollabEditor.Core.Orders;

namespace CollabEditor.Core.Tests;

public sealed class CustomerRulesTests
{
    private static readonly CustomerValues Valid = new("Acme Ltd", "buyer@acme.example", "+44 (20) 7946-0000", "1 High St\nLondon", "Net 30.");

    private static IEnumerable<(string, string)> Errors(CustomerValues v) => CustomerRules.Validate(v).Select(e => (e.Field, e.Message));

    [Fact]
    public void Validate_AValidCustomer_HasNoErrors_AndOnlyTheNameIsRequired()
    {
        Assert.Empty(CustomerRules.Validate(Valid));
        Assert.Empty(CustomerRules.Validate(new CustomerValues("Walk-in", "", "", "", "")));
        Assert.Equal([("Name", "Name is required.")], Errors(Valid with { Name = "   " }));
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("two@@example.com")]
    [InlineData("space in@example.com")]
    [InlineData("nodot@example")]
    public void Validate_AMalformedEmail_NamesEmailAndTheRule(string email) =>
        Assert.Equal([("Email", "Email must look like name@example.com.")], Errors(Valid with { Email = email }));

    [Theory]
    [InlineData("12")]
    [InlineData("call me")]
    [InlineData("12+345678")]
    public void Validate_AMalformedPhone_NamesPhone(string phone) =>
        Assert.Equal(["Phone"], CustomerRules.Validate(Valid with { Phone = phone }).Select(e => e.Field));

    [Fact]
    public void Validate_Lengths_AndControlCharacters_NameTheField()
    {
        Assert.Equal([("Name", "Name must be at most 200 characters.")], Errors(Valid with { Name = new string('x', 201) }));
        Assert.Equal([("Notes", "Notes must be at most 4000 characters.")], Errors(Valid with { Notes = new string('x', 4001) }));
        Assert.Equal([("Phone", "Phone must be at most 32 characters.")], Errors(Valid with { Phone = new string('1', 33) }));
        Assert.Equal([("Name", "Name must not contain control characters.")], Errors(Valid with { Name = "Ac\u0007me" }));
        Assert.Empty(CustomerRules.Validate(Valid with { Address = "Line 1\r\n\tLine 2" }));
    }

    [Fact]
    public void Normalized_TrimsAndLowersTheEmail() =>
        Assert.Equal(Valid, (Valid with { Name = " Acme Ltd ", Email = " Buyer@ACME.example " }).Normalized());

    [Fact]
    public void Merge_TakesNonOverlappingFieldsFromBothSides_AndFlagsRealConflicts()
    {
        var r = ThreeWayMerge.Merge(Valid, Valid with { Phone = "020 1111 2222", Notes = "Mine." }, Valid with { Email = "new@acme.example", Notes = "Theirs." }, CustomerValues.Fields);

        Assert.Equal(["Name", "Email", "Phone", "Address", "Notes"], r.Fields.Select(f => f.Name));
        Assert.Equal(["Notes"], r.Conflicts.Select(f => f.Name));
        Assert.Equal(Valid with { Email = "new@acme.example", Phone = "020 1111 2222", Notes = "Mine." }, r.Merged);
    }

    private static readonly OrderValues Order = new(new OrderHeader("Acme", OrderStatus.Draft, ""), []);

    [Fact]
    public void OrderMerge_ALinkChangedByOneSide_IsTakenWithItsName()
    {
        var mine = Order.WithHeader(Order.Header with { CustomerId = 5 });
        var theirs = Order.WithHeader(Order.Header with { Notes = "Call first." });

        var r = OrderMerge.Merge(Order, mine, theirs);

        Assert.False(r.HasConflicts);
        Assert.Equal(new OrderHeader("Acme", OrderStatus.Draft, "Call first.", 5), r.Merged.Header);
    }

    [Fact]
    public void OrderMerge_BothLinkingDifferentCustomers_IsOneConflictOnCustomer_HoldingMineWhole()
    {
        var mine = Order.WithHeader(Order.Header with { CustomerId = 5, CustomerName = "Acme Ltd" });
        var theirs = Order.WithHeader(Order.Header with { CustomerId = 7, CustomerName = "Acme Group" });

        var r = OrderMerge.Merge(Order, mine, theirs);

        Assert.Equal(["CustomerName"], r.Header.Where(f => f.IsConflict).Select(f => f.Name));
        Assert.Equal((5, "Acme Ltd"), (r.Merged.Header.CustomerId, r.Merged.Header.CustomerName));
    }

    [Fact]
    public void OrderMerge_TheirLinkWithMyUnchangedName_KeepsTheirLinkAndName()
    {
        var theirs = Order.WithHeader(Order.Header with { CustomerId = 7, CustomerName = "Acme Group" });

        var r = OrderMerge.Merge(Order, Order.WithHeader(Order.Header with { Notes = "Mine." }), theirs);

        Assert.Equal(new OrderHeader("Acme Group", OrderStatus.Draft, "Mine.", 7), r.Merged.Header);
    }
}
