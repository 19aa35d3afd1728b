using System.Net;
using System.Net.Http.Json;
using System.Text;
using Insiders.Silo.Api.Contracts;

namespace Insiders.Tests;

[Collection(ApiCollection.Name)]
public sealed class TransactionsApiTests(ApiFixture api)
{
    [Fact]
    public async Task Seed_SharedSlice_EveryLineAccountedFor()
    {
        var dataLines = api.SeedCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        Assert.Equal(dataLines, api.Seed.Lines);
        Assert.Equal(api.Seed.Lines, api.Seed.Accepted + api.Seed.Duplicates + api.Seed.Rejected);
        Assert.True(api.Seed.Accepted > 10_000);
        Assert.Equal(0, api.Seed.Duplicates);
        Assert.True(api.Seed.RejectedByReason["MissingCustomerId"] > 0);
    }

    [Fact]
    public async Task PostTransactions_CsvWithBadLines_RejectsWithReasonAndLineNumber_KeepsGoodLines()
    {
        var customer = ApiFixture.NewCustomerId();
        var csv = ApiFixture.Csv(
            $"600001,85123A,GOOD,6,2011-01-10 10:00:00,2.55,{customer},United Kingdom",
            $"600002,85123A,BAD QTY,six,2011-01-10 10:00:00,2.55,{customer},United Kingdom",
            $"600003,POST,POSTAGE,1,2011-01-10 10:00:00,18.00,{customer},United Kingdom",
            $"600004,22423,GOOD,2,2011-01-11 10:00:00,12.75,{customer},United Kingdom",
            $"600005,22423,BAD DATE,2,31/01/2011,12.75,{customer},United Kingdom",
            $"600006,22423,\"broken \"quote,2,2011-01-11 10:00:00,12.75,{customer},United Kingdom");

        using var response = await api.PostCsvAsync(csv, InsidersHostFactory.IngestKey);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;

        Assert.Equal("csv", result.Format);
        Assert.Equal(6, result.Lines);
        Assert.Equal(2, result.Accepted);
        Assert.Equal(4, result.Rejected);
        Assert.Equal(1, result.RejectedByReason["InvalidQuantity"]);
        Assert.Equal(1, result.RejectedByReason["NonProductStockCode"]);
        Assert.Equal(1, result.RejectedByReason["InvalidInvoiceDate"]);
        Assert.Equal(1, result.RejectedByReason["MalformedRow"]);
        Assert.Collection(result.Errors,
            e => Assert.Equal((3L, "InvalidQuantity", "Quantity"), (e.Line!.Value, e.Reason, e.Field)),
            e => Assert.Equal((4L, "NonProductStockCode", "StockCode"), (e.Line!.Value, e.Reason, e.Field)),
            e => Assert.Equal((6L, "InvalidInvoiceDate", "InvoiceDate"), (e.Line!.Value, e.Reason, e.Field)),
            e => Assert.Equal((7L, "MalformedRow"), (e.Line!.Value, e.Reason)));

        // The two good lines were applied: 6 × 2.55 + 2 × 12.75.
        var status = await api.GetAsync<CustomerDto>($"/api/customers/{customer}");
        Assert.Equal(2, status.Lines);
        Assert.Equal(6 * 2.55m + 2 * 12.75m, status.Features!.GrossRevenue);
        Assert.Equal(2, status.Features.QtyInvoices);
    }

    [Fact]
    public async Task PostTransactions_JsonArray_UsesSameRules_ReportsItemIndex()
    {
        var customer = ApiFixture.NewCustomerId();
        var json = $$"""
            [
              {"InvoiceNo": "610001", "StockCode": "85123A", "Description": "x", "Quantity": 4, "InvoiceDate": "2011-01-12 09:00:00", "UnitPrice": 2.5, "CustomerID": {{customer}}.0, "Country": "United Kingdom"},
              {"InvoiceNo": "610002", "StockCode": "85123A", "Quantity": 0, "InvoiceDate": "2011-01-12 09:00:00", "UnitPrice": 2.5, "CustomerID": "{{customer}}", "Country": "United Kingdom"},
              {"invoiceNo": "610003", "stockCode": "22423", "quantity": "3", "invoiceDate": "2011-01-13 09:00:00", "unitPrice": "1.25", "customerID": "{{customer}}", "country": "Unspecified"}
            ]
            """;
        using var response = await api.PostJsonAsync(json, InsidersHostFactory.IngestKey);
        response.EnsureSuccessStatusCode();
        var result = (await response.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;

        Assert.Equal(("json", 3L, 1, 2L), (result.Format, result.Lines, result.Accepted, result.Rejected));
        Assert.Collection(result.Errors,
            e => Assert.Equal((1L, "ZeroQuantity"), (e.Item!.Value, e.Reason)),
            e => Assert.Equal((2L, "ExcludedCountry"), (e.Item!.Value, e.Reason)));
        Assert.All(result.Errors, e => Assert.Null(e.Line));
        var status = await api.GetAsync<CustomerDto>($"/api/customers/{customer}.0");
        Assert.Equal(customer, status.CustomerId);
        Assert.Equal(10m, status.Features!.GrossRevenue);
    }

    [Fact]
    public async Task PostTransactions_SameBodyTwice_SecondIsAllDuplicates()
    {
        var customer = ApiFixture.NewCustomerId();
        var csv = ApiFixture.Csv(
            $"620001,85123A,x,6,2011-01-14 10:00:00,2.55,{customer},United Kingdom",
            $"620001,85123A,x,6,2011-01-14 10:00:00,2.55,{customer},United Kingdom", // an identical line is a second real purchase
            $"620002,22423,x,1,2011-01-15 10:00:00,12.75,{customer},United Kingdom");

        using var first = await api.PostCsvAsync(csv, InsidersHostFactory.IngestKey);
        using var second = await api.PostCsvAsync(csv, InsidersHostFactory.IngestKey);
        var a = (await first.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;
        var b = (await second.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;

        Assert.Equal((3, 0), (a.Accepted, a.Duplicates));
        Assert.Equal((0, 3), (b.Accepted, b.Duplicates));
        Assert.Equal(a.Source, b.Source);
        Assert.StartsWith("http-sha256:", a.Source, StringComparison.Ordinal);
        var status = await api.GetAsync<CustomerDto>($"/api/customers/{customer}");
        Assert.Equal(3, status.Lines);
        Assert.Equal(2 * 6 * 2.55m + 12.75m, status.Features!.GrossRevenue);
    }

    [Fact]
    public async Task PostTransactions_SameIdempotencyKey_DuplicatesEvenAsJsonInsteadOfCsv()
    {
        var customer = ApiFixture.NewCustomerId();
        var key = "order-batch-" + customer;
        var csv = ApiFixture.Csv($"630001,85123A,x,2,2011-01-16 10:00:00,3.00,{customer},United Kingdom");
        var json = $$"""[{"InvoiceNo":"630001","StockCode":"85123A","Quantity":2,"InvoiceDate":"2011-01-16 10:00:00","UnitPrice":3.00,"CustomerID":"{{customer}}","Country":"United Kingdom"}]""";

        using var first = await api.PostCsvAsync(csv, InsidersHostFactory.IngestKey, key);
        using var retry = await api.PostJsonAsync(json, InsidersHostFactory.IngestKey, key);
        var a = (await first.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;
        var b = (await retry.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;

        Assert.Equal("http-key:" + key, a.Source);
        Assert.Equal((1, 0), (a.Accepted, a.Duplicates));
        Assert.Equal((0, 1), (b.Accepted, b.Duplicates));
    }

    [Fact]
    public async Task PostTransactions_IdempotencyKeyReusedWithDifferentLines_422NothingIngested_OriginalStillDuplicates()
    {
        var customer = ApiFixture.NewCustomerId();
        var key = "reused-" + customer;
        var original = ApiFixture.Csv($"630101,85123A,x,2,2011-01-16 10:00:00,3.00,{customer},United Kingdom");
        // Same key, other lines: without the check, line 2 would share the original line 2's identity and be dropped.
        var other = ApiFixture.Csv($"630102,22423,y,5,2011-01-20 10:00:00,12.75,{customer},United Kingdom");
        // The original lines again, formatted differently (price "3", another description): the same lines.
        var sameLines = ApiFixture.Csv($"630101,85123A,\"other, text\",2,2011-01-16 10:00:00,3,{customer},United Kingdom");

        using var first = await api.PostCsvAsync(original, InsidersHostFactory.IngestKey, key);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var reused = await api.PostCsvAsync(other, InsidersHostFactory.IngestKey, key);
        var problem = await ApiFixture.AssertProblemAsync(reused, 422);
        Assert.Contains($"Idempotency-Key '{key}' was first used with different lines", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var again = await api.PostCsvAsync(sameLines, InsidersHostFactory.IngestKey, key);
        var b = (await again.Content.ReadFromJsonAsync<IngestResponse>(ApiFixture.Json, TestContext.Current.CancellationToken))!;
        Assert.Equal((0, 1), (b.Accepted, b.Duplicates));

        // Only the original line counts; the refused one can go under a key of its own.
        var status = await api.GetAsync<CustomerDto>($"/api/customers/{customer}");
        Assert.Equal((1, 2 * 3.00m), (status.Lines, status.Features!.GrossRevenue));
        using var ownKey = await api.PostCsvAsync(other, InsidersHostFactory.IngestKey, key + "-2");
        Assert.Equal(HttpStatusCode.OK, ownKey.StatusCode);
        Assert.Equal(2, (await api.GetAsync<CustomerDto>($"/api/customers/{customer}")).Lines);
    }

    [Fact]
    public async Task PostTransactions_MalformedJson_400ProblemDetails()
    {
        using var response = await api.PostJsonAsync("""[{"InvoiceNo": "1", """, InsidersHostFactory.IngestKey);
        var problem = await ApiFixture.AssertProblemAsync(response, 400);
        Assert.Contains("not valid JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostTransactions_JsonNotAnArrayOfObjects_400ProblemDetails()
    {
        using var response = await api.PostJsonAsync("""{"InvoiceNo": "1"}""", InsidersHostFactory.IngestKey);
        await ApiFixture.AssertProblemAsync(response, 400);
        using var items = await api.PostJsonAsync("""[1, 2]""", InsidersHostFactory.IngestKey);
        await ApiFixture.AssertProblemAsync(items, 400);
    }

    [Fact]
    public async Task PostTransactions_CsvHeaderMissingColumn_400ProblemDetails()
    {
        using var response = await api.PostCsvAsync("InvoiceNo,StockCode,Quantity\n1,A,2\n", InsidersHostFactory.IngestKey);
        var problem = await ApiFixture.AssertProblemAsync(response, 400);
        Assert.Contains("header lacks column", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostTransactions_EmptyBody_400ProblemDetails()
    {
        using var response = await api.PostCsvAsync(string.Empty, InsidersHostFactory.IngestKey);
        await ApiFixture.AssertProblemAsync(response, 400);
    }

    [Fact]
    public async Task PostTransactions_OverSizeLimit_413ProblemDetails()
    {
        var big = new StringBuilder(SharedSlice.Header).Append('\n');
        var row = "640001,85123A,PADDING PADDING PADDING PADDING PADDING,6,2011-01-10 10:00:00,2.55,12345,United Kingdom\n";
        while (big.Length <= 32 * 1024 * 1024)
        {
            big.Append(row);
        }

        using var response = await api.PostCsvAsync(big.ToString(), InsidersHostFactory.IngestKey);
        await ApiFixture.AssertProblemAsync(response, 413);
    }

    [Fact]
    public async Task PostTransactions_UnsupportedMediaType_415ProblemDetails()
    {
        using var response = await api.PostAsync("/api/transactions", new StringContent("<x/>", Encoding.UTF8, "application/xml"), InsidersHostFactory.IngestKey);
        await ApiFixture.AssertProblemAsync(response, 415);
    }

    [Fact]
    public async Task PostTransactions_WithoutKey_401()
    {
        using var response = await api.PostCsvAsync(ApiFixture.Csv("650001,85123A,x,1,2011-01-10 10:00:00,2.55,12345,United Kingdom"), null);
        await ApiFixture.AssertProblemAsync(response, 401);
        Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostTransactions_UnknownKey_401()
    {
        using var response = await api.PostCsvAsync(ApiFixture.Csv("650001,85123A,x,1,2011-01-10 10:00:00,2.55,12345,United Kingdom"), "not-a-configured-key-at-all");
        await ApiFixture.AssertProblemAsync(response, 401);
    }

    [Fact]
    public async Task PostTransactions_KeyWithoutIngestRole_403()
    {
        using var read = await api.PostCsvAsync(ApiFixture.Csv("650001,85123A,x,1,2011-01-10 10:00:00,2.55,12345,United Kingdom"), InsidersHostFactory.ReadKey);
        await ApiFixture.AssertProblemAsync(read, 403);
        using var admin = await api.PostCsvAsync(ApiFixture.Csv("650001,85123A,x,1,2011-01-10 10:00:00,2.55,12345,United Kingdom"), InsidersHostFactory.AdminKey);
        await ApiFixture.AssertProblemAsync(admin, 403);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
    }
}
