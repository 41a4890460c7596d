using CollabEditor.Core.Orders;

namespace CollabEditor.Core.Tests;

public sealed class OrderRulesTests
{
    private static readonly OrderLine Desk = new(Guid.NewGuid(), 1, "OAK-DES-001", "Oak desk", 2, 100m);
    private static readonly OrderLine Chair = new(Guid.NewGuid(), 2, "OAK-CHA-001", "Oak chair", 4, 25.50m);
    private static readonly OrderValues Valid = new(new OrderHeader("Acme", OrderStatus.Draft, ""), [Desk, Chair]);

    private static OrderValues In(OrderStatus status, OrderValues? values = null)
    {
        var v = values ?? Valid;
        return v.WithHeader(v.Header with { Status = status });
    }

    private static (string Field, string Message)[] Errors(IEnumerable<Validation.FieldError> errors) =>
        [.. errors.Select(e => (e.Field, e.Message))];

    [Fact]
    public void Validate_AcceptsAValidOrder() => Assert.Empty(OrderRules.Validate(Valid));

    [Fact]
    public void Validate_AcceptsADraftWithoutLines() => Assert.Empty(OrderRules.Validate(Valid with { Lines = [] }));

    [Theory]
    [InlineData(OrderStatus.Draft, OrderStatus.Draft)]
    [InlineData(OrderStatus.Draft, OrderStatus.Submitted)]
    [InlineData(OrderStatus.Draft, OrderStatus.Cancelled)]
    [InlineData(OrderStatus.Submitted, OrderStatus.Submitted)]
    [InlineData(OrderStatus.Submitted, OrderStatus.Draft)]
    [InlineData(OrderStatus.Submitted, OrderStatus.Fulfilled)]
    [InlineData(OrderStatus.Submitted, OrderStatus.Cancelled)]
    public void ValidateChange_AllowsTheseTransitions(OrderStatus from, OrderStatus to)
    {
        Assert.Empty(OrderRules.ValidateChange(In(from), In(to)));
        Assert.True(from == to || OrderRules.NextStatuses(from).Contains(to));
    }

    [Theory]
    [InlineData(OrderStatus.Draft, OrderStatus.Fulfilled, "Status cannot change from Draft to Fulfilled; allowed: Submitted, Cancelled.")]
    public void ValidateChange_RefusesOtherTransitions_NamingStatusAndTheAllowedTargets(OrderStatus from, OrderStatus to, string message) =>
        Assert.Equal([("Status", message)], Errors(OrderRules.ValidateChange(In(from), In(to))));

    [Theory]
    [InlineData(OrderStatus.Fulfilled, "The order is fulfilled and can no longer be changed.")]
    [InlineData(OrderStatus.Cancelled, "The order is cancelled and can no longer be changed.")]
    public void ValidateChange_OnAFulfilledOrCancelledOrder_RefusesAnyChange(OrderStatus status, string message)
    {
        var saved = In(status);
        Assert.True(OrderRules.IsReadOnly(status));
        Assert.Empty(OrderRules.NextStatuses(status));

        Assert.Equal([("Status", message)], Errors(OrderRules.ValidateChange(saved, saved.WithLine(Desk with { Quantity = 3 }))));
        Assert.Equal([("Status", message)], Errors(OrderRules.ValidateChange(saved, saved.WithHeader(saved.Header with { Notes = "late note" }))));
        Assert.Equal([("Status", message)], Errors(OrderRules.ValidateChange(saved, In(OrderStatus.Draft, saved))));
        Assert.Equal([("Status", message)], Errors(OrderRules.ValidateChange(saved, saved)));
    }

    [Theory]
    [InlineData(OrderStatus.Draft, false)]
    [InlineData(OrderStatus.Submitted, false)]
    [InlineData(OrderStatus.Fulfilled, true)]
    [InlineData(OrderStatus.Cancelled, true)]
    public void IsReadOnly_OnlyForFulfilledAndCancelled(OrderStatus status, bool readOnly) =>
        Assert.Equal(readOnly, OrderRules.IsReadOnly(status));

    [Fact]
    public void NextStatuses_ListsTheAllowedTargets()
    {
        Assert.Equal([OrderStatus.Submitted, OrderStatus.Cancelled], OrderRules.NextStatuses(OrderStatus.Draft));
        Assert.Equal([OrderStatus.Draft, OrderStatus.Fulfilled, OrderStatus.Cancelled], OrderRules.NextStatuses(OrderStatus.Submitted));
    }

    [Fact]
    public void ValidateChange_Submitting_RequiresAtLeastOneLine()
    {
        var empty = Valid with { Lines = [] };
        Assert.Equal([("Lines", "An order needs at least one line to be submitted.")], Errors(OrderRules.ValidateChange(empty, In(OrderStatus.Submitted, empty))));
        Assert.Empty(OrderRules.ValidateChange(empty, In(OrderStatus.Submitted)));
    }

    [Fact]
    public void ValidateChange_RemovingTheLastLineOfASubmittedOrder_IsRefused()
    {
        var submitted = In(OrderStatus.Submitted);
        Assert.Equal([("Lines", "An order needs at least one line to be submitted.")], Errors(OrderRules.ValidateChange(submitted, submitted with { Lines = [] })));
    }

    [Fact]
    public void ValidateChange_CancellingAnEmptyDraft_IsAllowed()
    {
        var empty = Valid with { Lines = [] };
        Assert.Empty(OrderRules.ValidateChange(empty, In(OrderStatus.Cancelled, empty)));
    }

    [Fact]
    public void ValidateChange_ChecksTheValuesToo()
    {
        var wanted = In(OrderStatus.Fulfilled).WithLine(Chair with { Quantity = 0 });
        Assert.Equal(["Status", "Lines[1].Quantity"], OrderRules.ValidateChange(In(OrderStatus.Draft), wanted).Select(e => e.Field));
    }

    [Theory]
    [InlineData(0, "Line 2: quantity must be more than 0.")]
    [InlineData(-3, "Line 2: quantity must be more than 0.")]
    [InlineData(1_000_001, "Line 2: quantity must be at most 1,000,000.")]
    public void Validate_RejectsBadQuantity_NamingTheLineField(int quantity, string message) =>
        Assert.Equal([("Lines[1].Quantity", message)], Errors(OrderRules.Validate(Valid.WithLine(Chair with { Quantity = quantity }))));

    [Fact]
    public void Validate_AcceptsTheLargestQuantity() =>
        Assert.Empty(OrderRules.Validate(Valid.WithLine(Chair with { Quantity = OrderRules.QuantityMax })));

    [Theory]
    [InlineData("-0.01", "Line 1: unit price must be 0 or more.")]
    [InlineData("1.005", "Line 1: unit price must have at most two decimals and be at most 1,000,000,000.")]
    [InlineData("1000000000.01", "Line 1: unit price must have at most two decimals and be at most 1,000,000,000.")]
    public void Validate_RejectsBadUnitPrice_NamingTheLineField(string price, string message) =>
        Assert.Equal(
            [("Lines[0].UnitPrice", message)],
            Errors(OrderRules.Validate(Valid.WithLine(Desk with { UnitPrice = decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture) }))));

    [Theory]
    [InlineData("0")]
    [InlineData("0.01")]
    [InlineData("1.50")]
    [InlineData("1000000000")]
    public void Validate_AcceptsGoodUnitPrice(string price) =>
        Assert.Empty(OrderRules.Validate(Valid.WithLine(Desk with { UnitPrice = decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture) })));

    [Fact]
    public void Validate_NamesEachBadLineByItsPosition()
    {
        var values = Valid with { Lines = [Desk with { Quantity = -1 }, Chair with { UnitPrice = 2.345m, ProductId = 0 }] };
        Assert.Equal(
            [
                ("Lines[0].Quantity", "Line 1: quantity must be more than 0."),
                ("Lines[1].ProductId", "Line 2: a product is required."),
                ("Lines[1].UnitPrice", "Line 2: unit price must have at most two decimals and be at most 1,000,000,000."),
            ],
            Errors(OrderRules.Validate(values)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_RequiresACustomer(string customer) =>
        Assert.Equal([("CustomerName", "Customer is required.")], Errors(OrderRules.Validate(Valid.WithHeader(Valid.Header with { CustomerName = customer }))));

    [Fact]
    public void Validate_RejectsAnOverlongCustomer()
    {
        Assert.Equal(
            [("CustomerName", "Customer must be at most 200 characters.")],
            Errors(OrderRules.Validate(Valid.WithHeader(Valid.Header with { CustomerName = new string('x', 201) }))));
        // Surrounding spaces do not count; exactly 200 is fine.
        Assert.Empty(OrderRules.Validate(Valid.WithHeader(Valid.Header with { CustomerName = "  " + new string('x', 200) + "  " })));
    }

    [Fact]
    public void Validate_RejectsOverlongNotes() =>
        Assert.Equal(
            [("Notes", "Notes must be at most 2000 characters.")],
            Errors(OrderRules.Validate(Valid.WithHeader(Valid.Header with { Notes = new string('n', 2001) }))));

    [Fact]
    public void Validate_RejectsTwoLinesWithTheSameId() =>
        Assert.Equal([("Lines", "Each line must have its own id.")], Errors(OrderRules.Validate(Valid with { Lines = [Desk, Desk with { Quantity = 1 }] })));

    [Fact]
    public void Validate_RejectsTooManyLines()
    {
        var lines = Enumerable.Range(0, OrderRules.LinesMax + 1).Select(i => new OrderLine(Guid.NewGuid(), 1, "X", "X", 1, 1m)).ToList();
        Assert.Equal([("Lines", "An order can have at most 2000 lines.")], Errors(OrderRules.Validate(Valid with { Lines = lines })));
        Assert.Empty(OrderRules.Validate(Valid with { Lines = lines[..OrderRules.LinesMax] }));
    }
}
